/* pyiot-schedule-card b0b5fa0df48bfd85 (built from frontend/ by scripts/build-frontend) */
var W=globalThis,z=W.ShadowRoot&&(W.ShadyCSS===void 0||W.ShadyCSS.nativeShadow)&&"adoptedStyleSheets"in Document.prototype&&"replace"in CSSStyleSheet.prototype,G=Symbol(),pt=new WeakMap,R=class{constructor(t,e,s){if(this._$cssResult$=!0,s!==G)throw Error("CSSResult is not constructable. Use `unsafeCSS` or `css` instead.");this.cssText=t,this.t=e}get styleSheet(){let t=this.o,e=this.t;if(z&&t===void 0){let s=e!==void 0&&e.length===1;s&&(t=pt.get(e)),t===void 0&&((this.o=t=new CSSStyleSheet).replaceSync(this.cssText),s&&pt.set(e,t))}return t}toString(){return this.cssText}},mt=i=>new R(typeof i=="string"?i:i+"",void 0,G),Z=(i,...t)=>{let e=i.length===1?i[0]:t.reduce((s,r,n)=>s+(a=>{if(a._$cssResult$===!0)return a.cssText;if(typeof a=="number")return a;throw Error("Value passed to 'css' function must be a 'css' function result: "+a+". Use 'unsafeCSS' to pass non-literal values, but take care to ensure page security.")})(r)+i[n+1],i[0]);return new R(e,i,G)},gt=(i,t)=>{if(z)i.adoptedStyleSheets=t.map(e=>e instanceof CSSStyleSheet?e:e.styleSheet);else for(let e of t){let s=document.createElement("style"),r=W.litNonce;r!==void 0&&s.setAttribute("nonce",r),s.textContent=e.cssText,i.appendChild(s)}},X=z?i=>i:i=>i instanceof CSSStyleSheet?(t=>{let e="";for(let s of t.cssRules)e+=s.cssText;return mt(e)})(i):i;var{is:Wt,defineProperty:zt,getOwnPropertyDescriptor:jt,getOwnPropertyNames:Vt,getOwnPropertySymbols:Kt,getPrototypeOf:qt}=Object,j=globalThis,_t=j.trustedTypes,Ft=_t?_t.emptyScript:"",Yt=j.reactiveElementPolyfillSupport,D=(i,t)=>i,J={toAttribute(i,t){switch(t){case Boolean:i=i?Ft:null;break;case Object:case Array:i=i==null?i:JSON.stringify(i)}return i},fromAttribute(i,t){let e=i;switch(t){case Boolean:e=i!==null;break;case Number:e=i===null?null:Number(i);break;case Object:case Array:try{e=JSON.parse(i)}catch{e=null}}return e}},yt=(i,t)=>!Wt(i,t),ft={attribute:!0,type:String,converter:J,reflect:!1,useDefault:!1,hasChanged:yt};Symbol.metadata??=Symbol("metadata"),j.litPropertyMetadata??=new WeakMap;var f=class extends HTMLElement{static addInitializer(t){this._$Ei(),(this.l??=[]).push(t)}static get observedAttributes(){return this.finalize(),this._$Eh&&[...this._$Eh.keys()]}static createProperty(t,e=ft){if(e.state&&(e.attribute=!1),this._$Ei(),this.prototype.hasOwnProperty(t)&&((e=Object.create(e)).wrapped=!0),this.elementProperties.set(t,e),!e.noAccessor){let s=Symbol(),r=this.getPropertyDescriptor(t,s,e);r!==void 0&&zt(this.prototype,t,r)}}static getPropertyDescriptor(t,e,s){let{get:r,set:n}=jt(this.prototype,t)??{get(){return this[e]},set(a){this[e]=a}};return{get:r,set(a){let l=r?.call(this);n?.call(this,a),this.requestUpdate(t,l,s)},configurable:!0,enumerable:!0}}static getPropertyOptions(t){return this.elementProperties.get(t)??ft}static _$Ei(){if(this.hasOwnProperty(D("elementProperties")))return;let t=qt(this);t.finalize(),t.l!==void 0&&(this.l=[...t.l]),this.elementProperties=new Map(t.elementProperties)}static finalize(){if(this.hasOwnProperty(D("finalized")))return;if(this.finalized=!0,this._$Ei(),this.hasOwnProperty(D("properties"))){let e=this.properties,s=[...Vt(e),...Kt(e)];for(let r of s)this.createProperty(r,e[r])}let t=this[Symbol.metadata];if(t!==null){let e=litPropertyMetadata.get(t);if(e!==void 0)for(let[s,r]of e)this.elementProperties.set(s,r)}this._$Eh=new Map;for(let[e,s]of this.elementProperties){let r=this._$Eu(e,s);r!==void 0&&this._$Eh.set(r,e)}this.elementStyles=this.finalizeStyles(this.styles)}static finalizeStyles(t){let e=[];if(Array.isArray(t)){let s=new Set(t.flat(1/0).reverse());for(let r of s)e.unshift(X(r))}else t!==void 0&&e.push(X(t));return e}static _$Eu(t,e){let s=e.attribute;return s===!1?void 0:typeof s=="string"?s:typeof t=="string"?t.toLowerCase():void 0}constructor(){super(),this._$Ep=void 0,this.isUpdatePending=!1,this.hasUpdated=!1,this._$Em=null,this._$Ev()}_$Ev(){this._$ES=new Promise(t=>this.enableUpdating=t),this._$AL=new Map,this._$E_(),this.requestUpdate(),this.constructor.l?.forEach(t=>t(this))}addController(t){(this._$EO??=new Set).add(t),this.renderRoot!==void 0&&this.isConnected&&t.hostConnected?.()}removeController(t){this._$EO?.delete(t)}_$E_(){let t=new Map,e=this.constructor.elementProperties;for(let s of e.keys())this.hasOwnProperty(s)&&(t.set(s,this[s]),delete this[s]);t.size>0&&(this._$Ep=t)}createRenderRoot(){let t=this.shadowRoot??this.attachShadow(this.constructor.shadowRootOptions);return gt(t,this.constructor.elementStyles),t}connectedCallback(){this.renderRoot??=this.createRenderRoot(),this.enableUpdating(!0),this._$EO?.forEach(t=>t.hostConnected?.())}enableUpdating(t){}disconnectedCallback(){this._$EO?.forEach(t=>t.hostDisconnected?.())}attributeChangedCallback(t,e,s){this._$AK(t,s)}_$ET(t,e){let s=this.constructor.elementProperties.get(t),r=this.constructor._$Eu(t,s);if(r!==void 0&&s.reflect===!0){let n=(s.converter?.toAttribute!==void 0?s.converter:J).toAttribute(e,s.type);this._$Em=t,n==null?this.removeAttribute(r):this.setAttribute(r,n),this._$Em=null}}_$AK(t,e){let s=this.constructor,r=s._$Eh.get(t);if(r!==void 0&&this._$Em!==r){let n=s.getPropertyOptions(r),a=typeof n.converter=="function"?{fromAttribute:n.converter}:n.converter?.fromAttribute!==void 0?n.converter:J;this._$Em=r;let l=a.fromAttribute(e,n.type);this[r]=l??this._$Ej?.get(r)??l,this._$Em=null}}requestUpdate(t,e,s,r=!1,n){if(t!==void 0){let a=this.constructor;if(r===!1&&(n=this[t]),s??=a.getPropertyOptions(t),!((s.hasChanged??yt)(n,e)||s.useDefault&&s.reflect&&n===this._$Ej?.get(t)&&!this.hasAttribute(a._$Eu(t,s))))return;this.C(t,e,s)}this.isUpdatePending===!1&&(this._$ES=this._$EP())}C(t,e,{useDefault:s,reflect:r,wrapped:n},a){s&&!(this._$Ej??=new Map).has(t)&&(this._$Ej.set(t,a??e??this[t]),n!==!0||a!==void 0)||(this._$AL.has(t)||(this.hasUpdated||s||(e=void 0),this._$AL.set(t,e)),r===!0&&this._$Em!==t&&(this._$Eq??=new Set).add(t))}async _$EP(){this.isUpdatePending=!0;try{await this._$ES}catch(e){Promise.reject(e)}let t=this.scheduleUpdate();return t!=null&&await t,!this.isUpdatePending}scheduleUpdate(){return this.performUpdate()}performUpdate(){if(!this.isUpdatePending)return;if(!this.hasUpdated){if(this.renderRoot??=this.createRenderRoot(),this._$Ep){for(let[r,n]of this._$Ep)this[r]=n;this._$Ep=void 0}let s=this.constructor.elementProperties;if(s.size>0)for(let[r,n]of s){let{wrapped:a}=n,l=this[r];a!==!0||this._$AL.has(r)||l===void 0||this.C(r,void 0,n,l)}}let t=!1,e=this._$AL;try{t=this.shouldUpdate(e),t?(this.willUpdate(e),this._$EO?.forEach(s=>s.hostUpdate?.()),this.update(e)):this._$EM()}catch(s){throw t=!1,this._$EM(),s}t&&this._$AE(e)}willUpdate(t){}_$AE(t){this._$EO?.forEach(e=>e.hostUpdated?.()),this.hasUpdated||(this.hasUpdated=!0,this.firstUpdated(t)),this.updated(t)}_$EM(){this._$AL=new Map,this.isUpdatePending=!1}get updateComplete(){return this.getUpdateComplete()}getUpdateComplete(){return this._$ES}shouldUpdate(t){return!0}update(t){this._$Eq&&=this._$Eq.forEach(e=>this._$ET(e,this[e])),this._$EM()}updated(t){}firstUpdated(t){}};f.elementStyles=[],f.shadowRootOptions={mode:"open"},f[D("elementProperties")]=new Map,f[D("finalized")]=new Map,Yt?.({ReactiveElement:f}),(j.reactiveElementVersions??=[]).push("2.1.2");var nt=globalThis,$t=i=>i,V=nt.trustedTypes,bt=V?V.createPolicy("lit-html",{createHTML:i=>i}):void 0,St="$lit$",v=`lit$${Math.random().toFixed(9).slice(2)}$`,At="?"+v,Gt=`<${At}>`,E=document,H=()=>E.createComment(""),U=i=>i===null||typeof i!="object"&&typeof i!="function",at=Array.isArray,Zt=i=>at(i)||typeof i?.[Symbol.iterator]=="function",Q=`[ 	
\f\r]`,N=/<(?:(!--|\/[^a-zA-Z])|(\/?[a-zA-Z][^>\s]*)|(\/?$))/g,vt=/-->/g,xt=/>/g,w=RegExp(`>|${Q}(?:([^\\s"'>=/]+)(${Q}*=${Q}*(?:[^ 	
\f\r"'\`<>=]|("|')|))|$)`,"g"),wt=/'/g,kt=/"/g,Ct=/^(?:script|style|textarea|title)$/i,ot=i=>(t,...e)=>({_$litType$:i,strings:t,values:e}),d=ot(1),ce=ot(2),ue=ot(3),S=Symbol.for("lit-noChange"),c=Symbol.for("lit-nothing"),Et=new WeakMap,k=E.createTreeWalker(E,129);function Tt(i,t){if(!at(i)||!i.hasOwnProperty("raw"))throw Error("invalid template strings array");return bt!==void 0?bt.createHTML(t):t}var Xt=(i,t)=>{let e=i.length-1,s=[],r,n=t===2?"<svg>":t===3?"<math>":"",a=N;for(let l=0;l<e;l++){let o=i[l],h,p,u=-1,_=0;for(;_<o.length&&(a.lastIndex=_,p=a.exec(o),p!==null);)_=a.lastIndex,a===N?p[1]==="!--"?a=vt:p[1]!==void 0?a=xt:p[2]!==void 0?(Ct.test(p[2])&&(r=RegExp("</"+p[2],"g")),a=w):p[3]!==void 0&&(a=w):a===w?p[0]===">"?(a=r??N,u=-1):p[1]===void 0?u=-2:(u=a.lastIndex-p[2].length,h=p[1],a=p[3]===void 0?w:p[3]==='"'?kt:wt):a===kt||a===wt?a=w:a===vt||a===xt?a=N:(a=w,r=void 0);let b=a===w&&i[l+1].startsWith("/>")?" ":"";n+=a===N?o+Gt:u>=0?(s.push(h),o.slice(0,u)+St+o.slice(u)+v+b):o+v+(u===-2?l:b)}return[Tt(i,n+(i[e]||"<?>")+(t===2?"</svg>":t===3?"</math>":"")),s]},O=class i{constructor({strings:t,_$litType$:e},s){let r;this.parts=[];let n=0,a=0,l=t.length-1,o=this.parts,[h,p]=Xt(t,e);if(this.el=i.createElement(h,s),k.currentNode=this.el.content,e===2||e===3){let u=this.el.content.firstChild;u.replaceWith(...u.childNodes)}for(;(r=k.nextNode())!==null&&o.length<l;){if(r.nodeType===1){if(r.hasAttributes())for(let u of r.getAttributeNames())if(u.endsWith(St)){let _=p[a++],b=r.getAttribute(u).split(v),I=/([.?@])?(.*)/.exec(_);o.push({type:1,index:n,name:I[2],strings:b,ctor:I[1]==="."?et:I[1]==="?"?st:I[1]==="@"?rt:T}),r.removeAttribute(u)}else u.startsWith(v)&&(o.push({type:6,index:n}),r.removeAttribute(u));if(Ct.test(r.tagName)){let u=r.textContent.split(v),_=u.length-1;if(_>0){r.textContent=V?V.emptyScript:"";for(let b=0;b<_;b++)r.append(u[b],H()),k.nextNode(),o.push({type:2,index:++n});r.append(u[_],H())}}}else if(r.nodeType===8)if(r.data===At)o.push({type:2,index:n});else{let u=-1;for(;(u=r.data.indexOf(v,u+1))!==-1;)o.push({type:7,index:n}),u+=v.length-1}n++}}static createElement(t,e){let s=E.createElement("template");return s.innerHTML=t,s}};function C(i,t,e=i,s){if(t===S)return t;let r=s!==void 0?e._$Co?.[s]:e._$Cl,n=U(t)?void 0:t._$litDirective$;return r?.constructor!==n&&(r?._$AO?.(!1),n===void 0?r=void 0:(r=new n(i),r._$AT(i,e,s)),s!==void 0?(e._$Co??=[])[s]=r:e._$Cl=r),r!==void 0&&(t=C(i,r._$AS(i,t.values),r,s)),t}var tt=class{constructor(t,e){this._$AV=[],this._$AN=void 0,this._$AD=t,this._$AM=e}get parentNode(){return this._$AM.parentNode}get _$AU(){return this._$AM._$AU}u(t){let{el:{content:e},parts:s}=this._$AD,r=(t?.creationScope??E).importNode(e,!0);k.currentNode=r;let n=k.nextNode(),a=0,l=0,o=s[0];for(;o!==void 0;){if(a===o.index){let h;o.type===2?h=new B(n,n.nextSibling,this,t):o.type===1?h=new o.ctor(n,o.name,o.strings,this,t):o.type===6&&(h=new it(n,this,t)),this._$AV.push(h),o=s[++l]}a!==o?.index&&(n=k.nextNode(),a++)}return k.currentNode=E,r}p(t){let e=0;for(let s of this._$AV)s!==void 0&&(s.strings!==void 0?(s._$AI(t,s,e),e+=s.strings.length-2):s._$AI(t[e])),e++}},B=class i{get _$AU(){return this._$AM?._$AU??this._$Cv}constructor(t,e,s,r){this.type=2,this._$AH=c,this._$AN=void 0,this._$AA=t,this._$AB=e,this._$AM=s,this.options=r,this._$Cv=r?.isConnected??!0}get parentNode(){let t=this._$AA.parentNode,e=this._$AM;return e!==void 0&&t?.nodeType===11&&(t=e.parentNode),t}get startNode(){return this._$AA}get endNode(){return this._$AB}_$AI(t,e=this){t=C(this,t,e),U(t)?t===c||t==null||t===""?(this._$AH!==c&&this._$AR(),this._$AH=c):t!==this._$AH&&t!==S&&this._(t):t._$litType$!==void 0?this.$(t):t.nodeType!==void 0?this.T(t):Zt(t)?this.k(t):this._(t)}O(t){return this._$AA.parentNode.insertBefore(t,this._$AB)}T(t){this._$AH!==t&&(this._$AR(),this._$AH=this.O(t))}_(t){this._$AH!==c&&U(this._$AH)?this._$AA.nextSibling.data=t:this.T(E.createTextNode(t)),this._$AH=t}$(t){let{values:e,_$litType$:s}=t,r=typeof s=="number"?this._$AC(t):(s.el===void 0&&(s.el=O.createElement(Tt(s.h,s.h[0]),this.options)),s);if(this._$AH?._$AD===r)this._$AH.p(e);else{let n=new tt(r,this),a=n.u(this.options);n.p(e),this.T(a),this._$AH=n}}_$AC(t){let e=Et.get(t.strings);return e===void 0&&Et.set(t.strings,e=new O(t)),e}k(t){at(this._$AH)||(this._$AH=[],this._$AR());let e=this._$AH,s,r=0;for(let n of t)r===e.length?e.push(s=new i(this.O(H()),this.O(H()),this,this.options)):s=e[r],s._$AI(n),r++;r<e.length&&(this._$AR(s&&s._$AB.nextSibling,r),e.length=r)}_$AR(t=this._$AA.nextSibling,e){for(this._$AP?.(!1,!0,e);t!==this._$AB;){let s=$t(t).nextSibling;$t(t).remove(),t=s}}setConnected(t){this._$AM===void 0&&(this._$Cv=t,this._$AP?.(t))}},T=class{get tagName(){return this.element.tagName}get _$AU(){return this._$AM._$AU}constructor(t,e,s,r,n){this.type=1,this._$AH=c,this._$AN=void 0,this.element=t,this.name=e,this._$AM=r,this.options=n,s.length>2||s[0]!==""||s[1]!==""?(this._$AH=Array(s.length-1).fill(new String),this.strings=s):this._$AH=c}_$AI(t,e=this,s,r){let n=this.strings,a=!1;if(n===void 0)t=C(this,t,e,0),a=!U(t)||t!==this._$AH&&t!==S,a&&(this._$AH=t);else{let l=t,o,h;for(t=n[0],o=0;o<n.length-1;o++)h=C(this,l[s+o],e,o),h===S&&(h=this._$AH[o]),a||=!U(h)||h!==this._$AH[o],h===c?t=c:t!==c&&(t+=(h??"")+n[o+1]),this._$AH[o]=h}a&&!r&&this.j(t)}j(t){t===c?this.element.removeAttribute(this.name):this.element.setAttribute(this.name,t??"")}},et=class extends T{constructor(){super(...arguments),this.type=3}j(t){this.element[this.name]=t===c?void 0:t}},st=class extends T{constructor(){super(...arguments),this.type=4}j(t){this.element.toggleAttribute(this.name,!!t&&t!==c)}},rt=class extends T{constructor(t,e,s,r,n){super(t,e,s,r,n),this.type=5}_$AI(t,e=this){if((t=C(this,t,e,0)??c)===S)return;let s=this._$AH,r=t===c&&s!==c||t.capture!==s.capture||t.once!==s.once||t.passive!==s.passive,n=t!==c&&(s===c||r);r&&this.element.removeEventListener(this.name,this,s),n&&this.element.addEventListener(this.name,this,t),this._$AH=t}handleEvent(t){typeof this._$AH=="function"?this._$AH.call(this.options?.host??this.element,t):this._$AH.handleEvent(t)}},it=class{constructor(t,e,s){this.element=t,this.type=6,this._$AN=void 0,this._$AM=e,this.options=s}get _$AU(){return this._$AM._$AU}_$AI(t){C(this,t)}};var Jt=nt.litHtmlPolyfillSupport;Jt?.(O,B),(nt.litHtmlVersions??=[]).push("3.3.3");var Pt=(i,t,e)=>{let s=e?.renderBefore??t,r=s._$litPart$;if(r===void 0){let n=e?.renderBefore??null;s._$litPart$=r=new B(t.insertBefore(H(),n),n,void 0,e??{})}return r._$AI(i),r};var dt=globalThis,g=class extends f{constructor(){super(...arguments),this.renderOptions={host:this},this._$Do=void 0}createRenderRoot(){let t=super.createRenderRoot();return this.renderOptions.renderBefore??=t.firstChild,t}update(t){let e=this.render();this.hasUpdated||(this.renderOptions.isConnected=this.isConnected),super.update(t),this._$Do=Pt(e,this.renderRoot,this.renderOptions)}connectedCallback(){super.connectedCallback(),this._$Do?.setConnected(!0)}disconnectedCallback(){super.disconnectedCallback(),this._$Do?.setConnected(!1)}render(){return S}};g._$litElement$=!0,g.finalized=!0,dt.litElementHydrateSupport?.({LitElement:g});var Qt=dt.litElementPolyfillSupport;Qt?.({LitElement:g});(dt.litElementVersions??=[]).push("4.2.2");var te="pyiot/schedule/subscribe",ee="pyiot/schedule/edit";function Mt(i,t,e,s){return i.connection.subscribeMessage(e,{type:te,entity_id:t,...s?{date:s}:{}})}function Rt(i,t,e,s){return i.callWS({type:ee,entity_id:t,edit:e,...s?{revision:s}:{}})}var P=["mon","tue","wed","thu","fri","sat","sun"];var m=1440;function $(i){return Math.min(Math.max(i,0),m)/m*100}function K(i,t){return Math.round(i/t)*t}function y(i){let t=(Math.round(i)%m+m)%m;return`${String(Math.floor(t/60)).padStart(2,"0")}:${String(t%60).padStart(2,"0")}`}function Dt(i){let t=/^(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(i);if(!t)return Number.NaN;let[e,s,r]=[Number(t[1]),Number(t[2]),Number(t[3]??0)];return e>23||s>59||r>59?Number.NaN:e*60+s+r/60}function x(i){return i.heat??i.cool}function A(i){if(i.heat!==null&&i.cool!==null)return`${i.heat}–${i.cool} °C`;let t=x(i);return t===null?"–":`${t} °C`}function Nt(i,t){let e=x(i);if(e===null)return"hsl(0, 0%, 70%)";let s=Math.max(t.minimum,12),r=Math.min(t.maximum,24),n=r>s?Math.min(Math.max((e-s)/(r-s),0),1):.5;return`hsl(${Math.round(220-n*220)}, 70%, 55%)`}function Ht(i,t){let e=t.getTime(),s=i.days.findIndex(a=>Date.parse(a.start)<=e&&e<Date.parse(a.end));if(s<0)return{day:-1,minute:0};let r=new Intl.DateTimeFormat("en-GB",{timeZone:i.time_zone,hour:"2-digit",minute:"2-digit",hourCycle:"h23"}).formatToParts(t),n=a=>Number(r.find(l=>l.type===a)?.value??0);return{day:s,minute:n("hour")*60+n("minute")}}function lt(i,t,e,s){let r=new Date(i),n=r.getTime()-s.getTime()<20*3600*1e3;return new Intl.DateTimeFormat(e,{timeZone:t,hour:"2-digit",minute:"2-digit",...n?{}:{weekday:"short",day:"numeric",month:"short"}}).format(r)}function se(i){return(Dt(i.end)-Dt(i.start)+m)%m||m}function ct(i,t,e,s,r){let n=se(i),a=i.start_minute,l=i.start_minute+n,o=i.weekday;return t==="move"?(a=Math.min(Math.max(K(i.start_minute+e,r),0),m-r),l=a+n,o=P[(P.indexOf(i.weekday)+s+49)%7]):t==="start"?a=Math.min(Math.max(K(i.start_minute+e,r),0),l-r):l=Math.min(Math.max(K(i.start_minute+n+e,r),a+r),a+m-r),{start:a,end:l,weekday:o}}function Ut(i,t,e,s){let r={rule_id:i.rule_id,weekday:i.weekday,scope:s};if(t==="move")return e.start===i.start_minute&&e.weekday===i.weekday?null:{op:"move_block",...r,start:y(e.start),...e.weekday!==i.weekday?{to_weekday:e.weekday}:{}};let[n,a]=[y(e.start),y(e.end)];return n===i.start&&a===i.end?null:{op:"resize_block",...r,start:n,end:a}}function L(i,t){return i.default.heat===null?{heat:null,cool:t}:{heat:t,cool:null}}function Ot(i,t,e){let s=[],r={rule_id:t.rule_id,weekday:t.weekday,scope:e.scope};return(e.start!==t.start||e.end!==t.end)&&s.push({op:"resize_block",...r,start:e.start,end:e.end}),e.temperature!==x(t.target)&&s.push({op:"set_block_target",...r,target:L(i,e.temperature)}),s}function ut(i,t,e,s){let r=Math.min(K(e,s),m-60),n=x(i.default)??20,a=Math.min(n+2,i.limits.maximum);return{op:"add_block",weekdays:[t.weekday],start:y(r),end:y(r+60),target:L(i,a)}}var q={"card.no_entity":"Choose a PyIoT thermostat zone in the card's settings.","card.unknown_entity":"{entity} is not a PyIoT thermostat zone.","card.loading":"Loading the schedule…","card.next_change":"Next: {target} at {time}","card.no_next_change":"No change scheduled","card.source":"Now: {source}","card.override":"Manual setting {target} until {time}","card.away":"Away from {start} to {end}: {target}","card.clear":"Clear","card.resume":"Resume the schedule","card.set_override":"Set now","card.override_title":"Manual setting","card.until_next_change":"until the next change","card.for_hours":"for {hours} h","card.away_title":"Away","card.set_away":"Set away","card.start":"Start","card.end":"End","card.temperature":"Temperature","card.save":"Save","card.delete":"Delete","card.cancel":"Cancel","card.add_block":"Add a block","card.block_title":"Block {start}–{end}","card.scope_day":"this day only","card.scope_rule":"every day of this block ({days})","card.copy_day":"Copy {day} to","card.copy":"Copy","card.dated":"{name}: {start} – {end}, {target}","card.conflicts":"Rules {first} and {second} overlap with the same priority.","card.error":"The change was refused: {message}","editor.entity":"Thermostat zone","editor.title":"Title","editor.snap_minutes":"Drag step (minutes)","source.schedule":"schedule '{name}'","source.override":"manual setting until {until}","source.preset":"preset '{name}'","source.away":"away until {until}","source.default":"default temperature","source_text.schedule":"rule '{source}'","source_text.override":"your manual setting until {until}","source_text.preset":"preset '{source}'","source_text.away":"the away period until {until}","source_text.default":"the default target","explanation.off":"off","explanation.heating":"heating: {current} °C below {target} °C target from {source_text}","explanation.heating_hold":"heating: {current} °C, holding the {target} °C target from {source_text}","explanation.cooling":"cooling: {current} °C above {target} °C target from {source_text}","explanation.cooling_hold":"cooling: {current} °C, holding the {target} °C target from {source_text}","explanation.idle":"idle: {current} °C, target {target} °C from {source_text}","explanation.no_setpoint":"idle: no {side} setpoint from {source_text}","explanation.waiting_min_off":"waiting: minimum off time, {minutes} min left","explanation.waiting_max_starts":"waiting: maximum starts per hour reached, {minutes} min left","explanation.waiting_interlock":"waiting: {other} equipment still on, {minutes} min left","explanation.resting_max_run":"resting: maximum run time reached, {minutes} min left","explanation.holding_min_on":"holding on: minimum on time, {minutes} min left","explanation.fail_safe_off":"fail-safe: no usable temperature sensor, equipment off","explanation.fail_safe_frost":"fail-safe: no usable temperature sensor, frost protection heating {duty} % of the time","explanation.preheating":"preheating: {current} °C, reaching {target} °C by {time} from {source_text} (starting {minutes} min early at {rate} °C/h)","explanation.precooling":"precooling: {current} °C, reaching {target} °C by {time} from {source_text} (starting {minutes} min early at {rate} °C/h)"},re={en:q};function ie(i,t={}){return i.replace(/\{(\w+)\}/g,(e,s)=>t[s]===void 0||t[s]===null?e:String(t[s]))}function M(i,t,e){let s=re[i.split("-")[0]]??q;return ie(s[t]??q[t]??t,e)}function Bt(i,t){return It(i,`explanation.${t.explanation.key}`,t.explanation,e=>({...e,source_text:M(i,`source_text.${e.source_type??"default"}`,e)}))}function Lt(i,t){return It(i,`source.${t.source.kind}`,t.source)}function It(i,t,e,s=r=>r){return q[t]===void 0?e.text:M(i,t,s(e.placeholders))}function ht(i,t){let e=t??{};if(e.translation_key&&e.translation_domain){let s=i.localize(`component.${e.translation_domain}.exceptions.${e.translation_key}.message`,e.translation_placeholders??{});if(s)return s}return typeof e.message=="string"&&e.message?e.message:t instanceof Error?t.message:String(t)}var F=class extends g{static{this.properties={hass:{attribute:!1},_config:{state:!0},_state:{state:!0},_error:{state:!0},_panel:{state:!0},_drag:{state:!0},_busy:{state:!0}}}constructor(){super(),this._busy=!1}static getConfigElement(){return document.createElement("pyiot-schedule-card-editor")}static getStubConfig(t){return{entity:Object.values(t.entities??{}).find(s=>s.platform==="pyiot"&&s.entity_id.startsWith("climate."))?.entity_id??""}}setConfig(t){if(!t||typeof t!="object")throw new Error("Invalid configuration");this._config={snap_minutes:15,...t}}getCardSize(){return 9}getGridOptions(){return{columns:12,min_columns:6,rows:9,min_rows:6}}connectedCallback(){super.connectedCallback(),this._clock=window.setInterval(()=>this.requestUpdate(),6e4),this.hass&&this._config&&this._subscribe()}disconnectedCallback(){super.disconnectedCallback(),window.clearInterval(this._clock),this._unsubscribeNow()}updated(t){(t.has("hass")||t.has("_config"))&&this.hass&&this._config&&this._subscribedTo!==this._config.entity&&this._subscribe()}get _language(){return this.hass?.locale?.language??this.hass?.language??"en"}_t(t,e){return M(this._language,t,e)}_subscribe(){this._unsubscribeNow();let t=this._config.entity;this._subscribedTo=t,this._state=void 0,t&&(this.hass.loadBackendTranslation?.("exceptions","pyiot"),this._unsubscribe=Mt(this.hass,t,e=>{this._state=e}),this._unsubscribe.catch(e=>{this._error=ht(this.hass,e),this._subscribedTo=void 0}))}_unsubscribeNow(){let t=this._unsubscribe;this._unsubscribe=void 0,this._subscribedTo=void 0,t?.then(e=>e()).catch(()=>{})}async edit(...t){if(!this._state)return!1;this._busy=!0,this._error=void 0;try{for(let e of t)this._state=await Rt(this.hass,this._config.entity,e,this._state?.schedule.revision);return this._panel=void 0,!0}catch(e){return this._error=this._t("card.error",{message:ht(this.hass,e)}),!1}finally{this._busy=!1}}render(){let t=this._config?.title??this._friendlyName();return d`<ha-card .header=${t}>
      <div class="content">${this._body()}</div>
    </ha-card>`}_friendlyName(){return(this._config?.entity?this.hass?.states[this._config.entity]:void 0)?.attributes.friendly_name??""}_body(){if(!this._config?.entity)return d`<div class="notice">${this._t("card.no_entity")}</div>`;let t=this._error?d`<div class="error" role="alert">${this._error}</div>`:c;return this._state?d`${this._summary()} ${t} ${this._periods()} ${this._week()} ${this._panelView()}
      ${this._actions()}`:d`${t}<div class="notice">${t===c?this._t("card.loading"):""}</div>`}_summary(){let{schedule:t,decision:e}=this._state,s=new Date,r=t.next_change?this._t("card.next_change",{target:A(t.next_change.target),time:lt(t.next_change.at,t.time_zone,this._language,s)}):this._t("card.no_next_change");return d`<div class="summary">
      ${e?d`<div class="explanation">${Bt(this._language,e)}</div>
            <div class="source">${this._t("card.source",{source:Lt(this._language,e)})}</div>`:c}
      <div class="next">${r}</div>
    </div>`}_periods(){let{schedule:t}=this._state,e=new Date,s=r=>lt(r,t.time_zone,this._language,e);return d`
      ${t.override?d`<div class="period override">
            ${this._t("card.override",{target:A(t.override.target),time:s(t.override.end)})}
            <button class="clear-override" @click=${()=>this.edit({op:"clear_override"})}>
              ${this._t("card.resume")}
            </button>
          </div>`:c}
      ${t.away?d`<div class="period away">
            ${this._t("card.away",{start:s(t.away.start),end:s(t.away.end),target:A(t.away.target)})}
            <button class="clear-away" @click=${()=>this.edit({op:"clear_away"})}>${this._t("card.clear")}</button>
          </div>`:c}
      ${t.dated.map(r=>d`<div class="period dated">
          ${this._t("card.dated",{name:r.name||r.rule_id,start:s(r.start),end:s(r.end),target:A(r.target)})}
          <button class="delete-range" @click=${()=>this.edit({op:"delete_rule",rule_id:r.rule_id})}>
            ${this._t("card.delete")}
          </button>
        </div>`)}
      ${t.conflicts.map(([r,n])=>d`<div class="period conflict">${this._t("card.conflicts",{first:r,second:n})}</div>`)}
    `}_dayName(t,e="short"){return new Intl.DateTimeFormat(this._language,{weekday:e,timeZone:"UTC"}).format(new Date(`${t.date}T12:00:00Z`))}_week(){let{schedule:t}=this._state,e=Ht(t,new Date);return d`<div class="week">
      <div class="hours">
        <span></span>
        ${[0,6,12,18].map(s=>d`<span style="left:${$(s*60)}%">${y(s*60)}</span>`)}
      </div>
      ${t.days.map((s,r)=>d`<div class="row" data-weekday=${s.weekday}>
          <button class="day" @click=${()=>this._panel={kind:"day",day:s,targets:[]}}>
            ${this._dayName(s)}
          </button>
          <div class="track" @click=${n=>this._onTrackClick(n,s)}>
            ${s.segments.map(n=>d`<div
                class="segment ${n.kind}"
                style="left:${$(n.start_minute)}%;width:${$(n.end_minute)-$(n.start_minute)}%;background:${Nt(n.target,t.limits)}"
                title="${y(n.start_minute)}–${y(n.end_minute)} ${A(n.target)}"
              ></div>`)}
            ${s.blocks.map(n=>this._block(n))}
            ${e.day===r?d`<div class="now" style="left:${$(e.minute)}%"></div>`:c}
          </div>
        </div>`)}
    </div>`}_block(t){let e=this._drag,s=t.start_minute,r=t.end_minute,n=0;if(e&&e.block===t){let a=ct(t,e.mode,e.minutes,e.days,this._config.snap_minutes??15);s=a.start,r=Math.min(a.end,1440),n=e.mode==="move"?e.days:0}return d`<div
      class="block ${e?.block===t?"dragging":""}"
      data-rule=${t.rule_id}
      style="left:${$(s)}%;width:${$(r)-$(s)}%;transform:translateY(${n*100}%)"
      @pointerdown=${a=>this._onPointerDown(a,t,"move")}
      @click=${a=>a.stopPropagation()}
    >
      <span class="handle start" @pointerdown=${a=>this._onPointerDown(a,t,"start")}></span>
      <span class="label">${A(t.target)}</span>
      <span class="handle end" @pointerdown=${a=>this._onPointerDown(a,t,"end")}></span>
    </div>`}_actions(){let{schedule:t}=this._state,e=x(t.active.target)??x(t.default)??20,s=new Date(Date.now()+864e5).toISOString().slice(0,10);return d`<div class="actions">
      <button class="open-override" @click=${()=>this._panel={kind:"override",temperature:e,hours:0}}>
        ${this._t("card.override_title")}
      </button>
      <button
        class="open-away"
        @click=${()=>this._panel={kind:"away",start:`${s}T08:00`,end:`${s}T20:00`,temperature:Math.max(t.limits.minimum,12)}}
      >
        ${this._t("card.away_title")}
      </button>
    </div>`}_panelView(){let t=this._panel;if(!t)return c;let e=d`<button class="cancel" @click=${()=>this._panel=void 0}>${this._t("card.cancel")}</button>`;switch(t.kind){case"block":return this._blockPanel(t,e);case"day":return this._dayPanel(t,e);case"override":return d`<div class="panel override-panel">
          <strong>${this._t("card.override_title")}</strong>
          ${this._number(t.temperature,s=>this._panel={...t,temperature:s})}
          <select
            class="hold"
            @change=${s=>this._panel={...t,hours:Number(s.target.value)}}
          >
            <option value="0" ?selected=${t.hours===0}>${this._t("card.until_next_change")}</option>
            ${[1,2,4,8].map(s=>d`<option value=${s} ?selected=${t.hours===s}>${this._t("card.for_hours",{hours:s})}</option>`)}
          </select>
          <button
            class="save"
            ?disabled=${this._busy}
            @click=${()=>this.edit({op:"set_override",target:L(this._state.schedule,t.temperature),...t.hours?{duration:t.hours*3600}:{}})}
          >
            ${this._t("card.set_override")}
          </button>
          ${e}
        </div>`;case"away":return d`<div class="panel away-panel">
          <strong>${this._t("card.away_title")}</strong>
          <label>${this._t("card.start")}
            <input class="away-start" type="datetime-local" .value=${t.start}
              @change=${s=>this._panel={...t,start:s.target.value}} /></label>
          <label>${this._t("card.end")}
            <input class="away-end" type="datetime-local" .value=${t.end}
              @change=${s=>this._panel={...t,end:s.target.value}} /></label>
          ${this._number(t.temperature,s=>this._panel={...t,temperature:s})}
          <button
            class="save"
            ?disabled=${this._busy}
            @click=${()=>this.edit({op:"set_away",start:t.start,end:t.end,target:L(this._state.schedule,t.temperature)})}
          >
            ${this._t("card.set_away")}
          </button>
          ${e}
        </div>`}}_number(t,e){let{limits:s}=this._state.schedule;return d`<label>${this._t("card.temperature")}
      <input class="temperature" type="number" step="0.5" min=${s.minimum} max=${s.maximum} .value=${String(t)}
        @change=${r=>e(Number(r.target.value))} /></label>`}_blockPanel(t,e){let s=t.block,r=s.weekdays.length>1;return d`<div class="panel block-panel">
      <strong>${this._t("card.block_title",{start:s.start,end:s.end})}</strong>
      <label>${this._t("card.start")}
        <input class="block-start" type="time" .value=${t.start}
          @change=${n=>this._panel={...t,start:n.target.value}} /></label>
      <label>${this._t("card.end")}
        <input class="block-end" type="time" .value=${t.end}
          @change=${n=>this._panel={...t,end:n.target.value}} /></label>
      ${this._number(t.temperature,n=>this._panel={...t,temperature:n})}
      ${r?d`<select class="scope"
            @change=${n=>this._panel={...t,scope:n.target.value}}>
            <option value="day" ?selected=${t.scope==="day"}>${this._t("card.scope_day")}</option>
            <option value="rule" ?selected=${t.scope==="rule"}>
              ${this._t("card.scope_rule",{days:s.weekdays.join(", ")})}
            </option>
          </select>`:c}
      <button class="save" ?disabled=${this._busy}
        @click=${()=>this.edit(...Ot(this._state.schedule,s,t))}>${this._t("card.save")}</button>
      <button class="delete" ?disabled=${this._busy}
        @click=${()=>this.edit({op:"delete_block",rule_id:s.rule_id,weekday:s.weekday,scope:t.scope})}>
        ${this._t("card.delete")}
      </button>
      ${e}
    </div>`}_dayPanel(t,e){let s=(r,n)=>{let a=n?[...t.targets,r]:t.targets.filter(l=>l!==r);this._panel={...t,targets:a}};return d`<div class="panel day-panel">
      <strong>${this._t("card.copy_day",{day:this._dayName(t.day,"long")})}</strong>
      ${this._state.schedule.days.filter(r=>r.weekday!==t.day.weekday).map(r=>d`<label class="copy-target">
          <input type="checkbox" value=${r.weekday} .checked=${t.targets.includes(r.weekday)}
            @change=${n=>s(r.weekday,n.target.checked)} />
          ${this._dayName(r)}
        </label>`)}
      <button class="copy" ?disabled=${this._busy||t.targets.length===0}
        @click=${()=>this.edit({op:"copy_day",from:t.day.weekday,to:[...t.targets].sort((r,n)=>P.indexOf(r)-P.indexOf(n))})}>
        ${this._t("card.copy")}
      </button>
      <button class="add-block" ?disabled=${this._busy}
        @click=${()=>this.edit(ut(this._state.schedule,t.day,720,this._config.snap_minutes??15))}>
        ${this._t("card.add_block")}
      </button>
      ${e}
    </div>`}_onTrackClick(t,e){if(!this._state)return;let r=t.currentTarget.getBoundingClientRect(),n=r.width>0?(t.clientX-r.left)/r.width*1440:720;this.edit(ut(this._state.schedule,e,n,this._config.snap_minutes??15))}_onPointerDown(t,e,s){if(t.stopPropagation(),t.button!==0)return;let r=t.currentTarget.closest(".track"),n=r?.getBoundingClientRect();this._drag={block:e,mode:s,x:t.clientX,y:t.clientY,width:n?.width||1,rowHeight:r?.parentElement?.getBoundingClientRect().height||1,minutes:0,days:0};let a=o=>{this._drag&&(this._drag={...this._drag,minutes:(o.clientX-this._drag.x)/this._drag.width*1440,days:s==="move"?Math.round((o.clientY-this._drag.y)/this._drag.rowHeight):0})},l=()=>{window.removeEventListener("pointermove",a),window.removeEventListener("pointerup",l);let o=this._drag;if(this._drag=void 0,!o)return;let h=ct(e,s,o.minutes,o.days,this._config.snap_minutes??15),p=Ut(e,s,h,"day");p?this.edit(p):this._openBlock(e)};window.addEventListener("pointermove",a),window.addEventListener("pointerup",l)}_openBlock(t){this._panel={kind:"block",block:t,start:t.start,end:t.end,temperature:x(t.target)??20,scope:"day"}}static{this.styles=Z`
    .content { padding: 0 16px 16px; }
    .summary { margin-bottom: 8px; }
    .explanation { font-weight: 500; }
    .source, .next { color: var(--secondary-text-color); font-size: 0.9em; }
    .error { color: var(--error-color, #db4437); margin: 8px 0; }
    .notice { color: var(--secondary-text-color); padding: 8px 0; }
    .period { display: flex; align-items: center; justify-content: space-between; gap: 8px;
      padding: 4px 8px; margin: 4px 0; border-radius: 6px; background: var(--secondary-background-color); }
    .period.override { border-left: 4px solid var(--warning-color, #ffa600); }
    .period.away { border-left: 4px solid var(--info-color, #039be5); }
    .period.conflict { color: var(--warning-color, #ffa600); }
    .week { position: relative; user-select: none; touch-action: none; }
    .hours { position: relative; height: 16px; margin-left: 48px; font-size: 0.75em; color: var(--secondary-text-color); }
    .hours span { position: absolute; }
    .row { display: flex; align-items: stretch; height: 34px; margin: 2px 0; }
    .day { width: 44px; margin-right: 4px; border: none; background: none; color: var(--primary-text-color);
      cursor: pointer; text-align: left; padding: 0; font: inherit; }
    .track { position: relative; flex: 1; background: var(--divider-color, #e0e0e0); border-radius: 4px;
      overflow: visible; cursor: copy; }
    .segment { position: absolute; top: 0; bottom: 0; opacity: 0.35; }
    .segment.override, .segment.away, .segment.dated { opacity: 0.8;
      background-image: repeating-linear-gradient(45deg, transparent 0 6px, rgba(255, 255, 255, 0.35) 6px 12px) !important; }
    .block { position: absolute; top: 3px; bottom: 3px; border-radius: 4px; background: var(--primary-color);
      color: var(--text-primary-color, #fff); font-size: 0.75em; display: flex; align-items: center;
      justify-content: center; cursor: grab; overflow: hidden; box-sizing: border-box; min-width: 6px; }
    .block.dragging { opacity: 0.7; cursor: grabbing; z-index: 2; }
    .handle { position: absolute; top: 0; bottom: 0; width: 6px; cursor: ew-resize; }
    .handle.start { left: 0; }
    .handle.end { right: 0; }
    .label { pointer-events: none; white-space: nowrap; }
    .now { position: absolute; top: -2px; bottom: -2px; width: 2px; background: var(--error-color, #db4437); z-index: 3; }
    .panel { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin-top: 8px; padding: 8px;
      border: 1px solid var(--divider-color, #e0e0e0); border-radius: 6px; }
    .panel strong { width: 100%; }
    .actions { display: flex; gap: 8px; margin-top: 8px; }
    button { font: inherit; }
    input[type="number"] { width: 5em; }
  `}};var ne=[{name:"entity",required:!0,selector:{entity:{domain:"climate",integration:"pyiot"}}},{name:"title",selector:{text:{}}},{name:"snap_minutes",selector:{number:{min:5,max:60,step:5,mode:"box"}}}],Y=class extends g{static{this.properties={hass:{attribute:!1},_config:{state:!0}}}setConfig(t){this._config=t}render(){if(!this.hass||!this._config)return d``;let t=this.hass.locale?.language??this.hass.language??"en";return d`<ha-form
      .hass=${this.hass}
      .data=${this._config}
      .schema=${ne}
      .computeLabel=${e=>M(t,`editor.${e.name}`)}
      @value-changed=${this._changed}
    ></ha-form>`}_changed(t){t.stopPropagation();let e={...t.detail.value};this.dispatchEvent(new CustomEvent("config-changed",{detail:{config:e},bubbles:!0,composed:!0}))}};customElements.get("pyiot-schedule-card")||customElements.define("pyiot-schedule-card",F);customElements.get("pyiot-schedule-card-editor")||customElements.define("pyiot-schedule-card-editor",Y);window.customCards=window.customCards??[];window.customCards.some(i=>i.type==="pyiot-schedule-card")||window.customCards.push({type:"pyiot-schedule-card",name:"PyIoT schedule",description:"A thermostat zone's week: see and edit its schedule, overrides and away periods.",preview:!1});
/*! Bundled license information:

@lit/reactive-element/css-tag.js:
  (**
   * @license
   * Copyright 2019 Google LLC
   * SPDX-License-Identifier: BSD-3-Clause
   *)

@lit/reactive-element/reactive-element.js:
lit-html/lit-html.js:
lit-element/lit-element.js:
  (**
   * @license
   * Copyright 2017 Google LLC
   * SPDX-License-Identifier: BSD-3-Clause
   *)

lit-html/is-server.js:
  (**
   * @license
   * Copyright 2022 Google LLC
   * SPDX-License-Identifier: BSD-3-Clause
   *)
*/
